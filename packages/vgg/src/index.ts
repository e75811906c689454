export * from './vgg';
