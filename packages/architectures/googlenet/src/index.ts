export * from './googlenet';
