// The camera: getUserMedia into a <video>, and a frame grabbed from it as a PNG Blob.

let stream: MediaStream | null = null;

/** Starts the camera (asks for permission) and shows it in `video`. */
export async function startCamera(video: HTMLVideoElement): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser gives pages no camera (getUserMedia needs https or localhost)');
  stream ??= await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
  video.srcObject = stream;
  await video.play();
  // The first frame may arrive after play() resolves: a capture before it would be blank.
  if (video.videoWidth === 0) await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
}

export function stopCamera(video: HTMLVideoElement): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  video.srcObject = null;
}

export const cameraOn = (): boolean => stream !== null;

/** The frame the video shows now, as a PNG file. */
export async function captureFrame(video: HTMLVideoElement): Promise<File> {
  if (!stream || video.videoWidth === 0) throw new Error('start the camera first');
  const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight);
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new File([blob], `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.png`, { type: 'image/png' });
}
