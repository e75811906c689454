// Node-only entry (`@convkit/data/node`): file-system data sets and the pure-JS PNG/JPEG decoder.
export { decodeImage, sniffImageFormat, type DecodeImageOptions } from './node/decode-image';
export { fashionMnist, DEBIAN_FASHION_MNIST_DIR, type FashionMnistOptions } from './node/fashion-mnist';
export { ImageFolderDataset, IMAGE_EXTENSIONS } from './node/image-folder';
