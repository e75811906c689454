export * from './shufflenet';
