// Text summaries: TensorBoard's table layout, and no script from a log file ever survives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToSafeHtml, textTensorToHtml } from './text-html.js';

describe('text summaries as sanitized HTML', () => {
  it('strips scripts, event handlers and javascript: URLs', () => {
    const inputs = [
      '<script>alert(1)</script>',
      '[x](javascript:alert(1))',
      '<img src=x onerror=alert(1)>',
      '<a href="http://a" onclick="alert(1)">y</a>',
      '<svg onload=alert(1)>',
      '<iframe src="javascript:alert(1)"></iframe>',
      '**bold** <style>body{}</style>',
    ];
    for (const md of inputs) {
      const html = markdownToSafeHtml(md);
      assert.doesNotMatch(html, /<script|onerror=|onclick=|onload=|href="javascript:|<iframe|<style|<svg/i, html);
    }
    assert.equal(markdownToSafeHtml('**bold**'), '<p><strong>bold</strong></p>');
  });

  it('lays out rank-2 tensors as a table row by row and warns about higher ranks', () => {
    const html = textTensorToHtml(['a', 'b', 'c', 'd', 'e', 'f'], [2, 3]);
    assert.equal((html.match(/<tr>/g) ?? []).length, 2);
    assert.equal((html.match(/<td>/g) ?? []).length, 6);
    assert.ok(html.indexOf('<p>c</p>') < html.indexOf('<p>d</p>'));
    const r3 = textTensorToHtml(['a', 'x', 'b', 'y'], [2, 1, 2]);
    assert.match(r3, /Warning/);
    assert.match(r3, /<p>a<\/p>/);
    assert.doesNotMatch(r3, /<p>x<\/p>/);
  });
});
