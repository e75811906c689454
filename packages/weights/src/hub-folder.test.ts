import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, OptionError } from '@convkit/core';
import { TinyNet } from './__fixtures__/tiny-net';
import { describe, expect, it } from 'vitest';
import { loadHubFolder, parseHubConfig, readHubConfig } from './index';
import { tempDir } from '@convkit/test-utils/node';

// timm's config.json for tf_efficientnet_b7.ns_jft_in1k, as push_to_hub writes it.
const b7 = {
  architecture: 'tf_efficientnet_b7',
  num_classes: 1000,
  num_features: 2560,
  pretrained_cfg: {
    tag: 'ns_jft_in1k',
    custom_load: false,
    input_size: [3, 600, 600],
    fixed_input_size: false,
    interpolation: 'bicubic',
    crop_pct: 0.949,
    crop_mode: 'center',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    num_classes: 1000,
    pool_size: [19, 19],
    first_conv: 'conv_stem',
    classifier: 'classifier',
  },
};
const withCfg = (patch: Record<string, unknown>) => ({ ...b7, pretrained_cfg: { ...b7.pretrained_cfg, ...patch } });

describe('Hugging Face timm folders', () => {
  it("gives timm's eval transforms: resize ⌊600 / 0.949⌋ = 632, centre crop 600, bicubic", () => {
    expect(parseHubConfig(b7)).toEqual({
      architecture: 'tf_efficientnet_b7',
      tag: 'ns_jft_in1k',
      numClasses: 1000,
      transforms: { resizeSize: 632, cropSize: 600, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    // timm's defaults when the config leaves them out: crop_pct 0.875, bilinear.
    const { crop_pct: _c, interpolation: _i, ...bare } = b7.pretrained_cfg;
    expect(parseHubConfig({ ...b7, pretrained_cfg: bare }).transforms).toMatchObject({ resizeSize: 685, interpolation: 'bilinear' });
  });

  it('bad configs are format errors naming the field and the value', () => {
    expect(() => parseHubConfig({ ...b7, pretrained_cfg: undefined })).toThrow(/pretrained_cfg: missing/);
    expect(() => parseHubConfig(withCfg({ crop_pct: 1.5 }))).toThrow(/crop_pct: expected a number in \(0, 1\], got 1.5/);
    expect(() => parseHubConfig(withCfg({ crop_mode: 'squash' }))).toThrow(/crop_mode: only 'center' is supported, got "squash"/);
    expect(() => parseHubConfig(withCfg({ input_size: [3, 600] }))).toThrow(/input_size: expected \[channels, height, width\]/);
    expect(() => parseHubConfig(withCfg({ mean: [0.5, 0.5] }))).toThrow(/mean\/std: expected 3 numbers/);
    expect(() => parseHubConfig(withCfg({ interpolation: 'nearest' }))).toThrow(FormatError);
    expect(() => parseHubConfig({ ...b7, architecture: 7 })).toThrow(/architecture: expected timm's model name, got 7/);
    expect(() => parseHubConfig(null)).toThrow(FormatError);
  });

  it('a folder without config.json, with broken JSON or without weights is a clear error', async () => {
    const folder = tempDir('convkit-hub-');
    await expect(readHubConfig(folder)).rejects.toThrow(/no config.json there/);
    writeFileSync(join(folder, 'config.json'), '{"architecture": ');
    await expect(readHubConfig(folder)).rejects.toThrow(/config.json: not valid JSON/);
    writeFileSync(join(folder, 'config.json'), JSON.stringify(b7));
    await expect(loadHubFolder(new TinyNet(), folder)).rejects.toThrow(OptionError);
    await expect(loadHubFolder(new TinyNet(), folder)).rejects.toThrow(
      /no weights file: expected one of model.safetensors, pytorch_model.bin/,
    );
  });
});
