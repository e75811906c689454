export * from './mnasnet';
