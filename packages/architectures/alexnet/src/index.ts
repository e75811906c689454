export * from './alexnet';
