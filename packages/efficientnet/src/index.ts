export * from './efficientnet';
