// The class cards: a name, the image count and thumbnails, a drop zone with a file picker, a
// camera capture button and a remove button. Rendered anew from the session on every change.
import type { ImageClass } from './store';

export interface ClassListEvents {
  rename(id: string, name: string): void;
  addFiles(id: string, files: File[]): void;
  capture(id: string): void;
  remove(id: string): void;
}

const MAX_THUMBS = 12;
let thumbUrls: string[] = [];

export function renderClasses(list: HTMLElement, classes: ImageClass[], on: ClassListEvents): void {
  for (const url of thumbUrls) URL.revokeObjectURL(url);
  thumbUrls = [];
  list.replaceChildren(...classes.map((c) => card(c, on)));
}

function card(c: ImageClass, on: ClassListEvents): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'class-card';
  li.dataset.testid = 'class';
  li.innerHTML = `
    <div class="row">
      <input class="class-name" aria-label="class name" />
      <span class="count" data-testid="class-count"></span>
      <button class="capture" title="add the camera's current frame">Capture</button>
      <button class="remove" title="remove this class and its images">Remove</button>
    </div>
    <label class="drop">Drop images here or <input type="file" accept="image/*" multiple /></label>
    <div class="thumbs"></div>`;
  const name = li.querySelector<HTMLInputElement>('.class-name')!;
  name.value = c.name;
  name.addEventListener('change', () => on.rename(c.id, name.value.trim() || c.name));
  li.querySelector('.count')!.textContent = `${c.images.length} image${c.images.length === 1 ? '' : 's'}`;
  li.querySelector('.capture')!.addEventListener('click', () => on.capture(c.id));
  li.querySelector('.remove')!.addEventListener('click', () => on.remove(c.id));
  const input = li.querySelector<HTMLInputElement>('input[type=file]')!;
  input.addEventListener('change', () => input.files && on.addFiles(c.id, Array.from(input.files)));
  dropTarget(li.querySelector('.drop')!, (files) => on.addFiles(c.id, files));
  const thumbs = li.querySelector('.thumbs')!;
  for (const blob of c.images.slice(-MAX_THUMBS)) {
    const url = URL.createObjectURL(blob);
    thumbUrls.push(url);
    thumbs.append(Object.assign(document.createElement('img'), { src: url, alt: '' }));
  }
  if (c.images.length > MAX_THUMBS) thumbs.append(`+${c.images.length - MAX_THUMBS}`);
  return li;
}

/** Calls `onFiles` with the files dropped on `zone`. */
export function dropTarget(zone: HTMLElement, onFiles: (files: File[]) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = Array.from(e.dataTransfer?.files ?? []);
    if (files.length > 0) onFiles(files);
  });
}
