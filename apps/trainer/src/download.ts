/** Hands `bytes` to the browser as a file download named `fileName`. */
export function download(bytes: Uint8Array, fileName: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  Object.assign(document.createElement('a'), { href: url, download: fileName }).click();
  // The click starts the download asynchronously: revoke only once the browser has the blob.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
