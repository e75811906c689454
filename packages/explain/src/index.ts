export { featureMaps } from './feature-maps';
export { type CamMethod, type GradCamOptions, type GradCamResult, gradCam } from './grad-cam';
export { defaultCamLayer } from './default-layer';
export { jet, overlayHeatmap, type PixelImage, type RgbaImage } from './overlay';
export { featureMapGrid, type GridOptions } from './feature-map-grid';
