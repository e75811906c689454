export * from './resnet';
