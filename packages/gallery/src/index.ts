export { type Gallery, type GalleryOptions, startGallery } from './server.js';
