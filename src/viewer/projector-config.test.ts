// The projector config's text format as protobuf's text_format.Merge reads it, and the proto3
// JSON TensorBoard's `info` answers with.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigSyntaxError, parseProjectorConfig, projectorConfigJson } from './projector-config.js';

it('reads every spelling text_format accepts: colons, <>, lists, comments, escapes, adjacent strings', () => {
  const c = parseProjectorConfig(
    `# written by hand
model_checkpoint_path: 'ckpt'
embeddings: <
  tensor_name: "a\\tb:0" ; tensor_shape: [3, 0x4]
  sprite { image_path: "s" "p.png" single_image_dim: 2 single_image_dim: 2 }
  tensor_path: "d\\303\\251j\\xc3\\xa0.tsv",
>
embeddings { tensor_name: "x" tensor_name: "y" }`,
    10,
  );
  assert.deepEqual(projectorConfigJson(c), {
    modelCheckpointPath: 'ckpt',
    embeddings: [
      { tensorName: 'a\tb:0', tensorShape: [3, 4], sprite: { imagePath: 'sp.png', singleImageDim: [2, 2] }, tensorPath: 'déjà.tsv' },
      { tensorName: 'y' },
    ],
  });
});

it('refuses unknown fields, bad values and unterminated input, naming the line', () => {
  const bad: [string, RegExp][] = [
    ['embeddings {\n  colour: "x"\n}', /line 2: unknown field "colour"/],
    ['embeddings {\n tensor_shape: -1 }', /line 2: tensor_shape must be an unsigned 32-bit integer/],
    ['embeddings {\n tensor_shape: 4294967296 }', /unsigned 32-bit/],
    ['embeddings { tensor_name: "x"', /expected "}"/],
    ['embeddings { tensor_name: "x }', /unterminated string/],
    ['embeddings { tensor_name: x }', /expected a string/],
    ['embeddings { tensor_name: "\\q" }', /invalid escape/],
    ['embeddings { tensor_name: "\\377" }', /not valid UTF-8/],
  ];
  for (const [text, message] of bad) assert.throws(() => parseProjectorConfig(text, 10), (e) => e instanceof ConfigSyntaxError && message.test(e.message), text);
});

it('caps the embeddings a config may list', () => {
  assert.throws(() => parseProjectorConfig('embeddings {}\n'.repeat(30), 10), /more than 21 messages/);
});
