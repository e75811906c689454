export * from './block-params';
export * from './regnet';
