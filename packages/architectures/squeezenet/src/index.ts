export * from './squeezenet';
