export { galleryUrl } from './gallery-url.js';
export { type Gallery, type GalleryOptions, startGallery } from './server.js';
