export { BatchNorm2d, type BatchNorm2dOptions } from './batch-norm2d';
export { Dropout, Dropout2d } from './dropout';
export { StochasticDepth, stochasticDepth } from './stochastic-depth';
export { l2Penalty, smoothLabels } from './penalties';
