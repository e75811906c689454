import { describe, expect, it } from 'vitest';
import { closestName, levenshtein } from './closest-name';
import { UnknownNameError } from './errors';

const models = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'vgg16', 'efficientnet_b0'];

describe('closest known name', () => {
  it('edit distance of textbook pairs', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3); // k→s, e→i, +g
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
  });

  it('suggests a typo’s target ignoring case, and nothing for a far-off name', () => {
    expect(closestName('resnet5O', models)).toBe('resnet50'); // letter O for zero
    expect(closestName('ResNet101', models)).toBe('resnet101');
    expect(closestName('vgg-16', models)).toBe('vgg16');
    expect(closestName('transformer', models)).toBeUndefined();
    expect(closestName('x', models)).toBeUndefined();
  });

  it('UnknownNameError says what was asked and the suggestion', () => {
    const e = new UnknownNameError('createModel', 'resnet5O', models);
    expect(e.requested).toBe('resnet5O');
    expect(e.suggestion).toBe('resnet50');
    expect(e.message).toMatch(/^createModel: unknown name 'resnet5O'; known: resnet18, .*; did you mean 'resnet50'\?$/);
    const far = new UnknownNameError('createModel', 'alexnet_large', models);
    expect(far.suggestion).toBeUndefined();
    expect(far.message).not.toMatch(/did you mean/);
  });
});
