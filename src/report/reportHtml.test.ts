import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefixSvgIds, reportHtml } from './reportHtml.js';
import { formatMeanSe } from './describeMetric.js';

test('ids of inlined SVGs get a prefix, with every reference to them', () => {
  const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/><a href="#elsewhere"/></g></svg>';
  assert.equal(prefixSvgIds(svg, 'f2-'), '<svg><defs><clipPath id="f2-clip1"><rect/></clipPath></defs><g clip-path="url(#f2-clip1)"><use href="#f2-clip1"/><a href="#elsewhere"/></g></svg>');
  assert.equal(prefixSvgIds('<svg><path d="M0,0"/></svg>', 'x'), '<svg><path d="M0,0"/></svg>');
});

test('text from run folders is escaped on the page', () => {
  const html = reportHtml({
    title: 'a <b> report', generatedAt: new Date(0), versions: { supple: '0.1.0' }, benchmarks: [],
    conditions: [{ label: '<script>alert(1)</script>', color: '#000', seeds: [0], runs: ['/x'], complete: 1, settings: {}, final: {}, seconds: null, examplesPerSecond: null }],
    tableMetrics: [], figures: [], differing: [], shared: [['k', '"<v>"']], runs: [], warnings: ['w & <x>'], options: {}, finalFraction: 0.1,
  });
  assert.ok(!html.includes('<script>'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('w &amp; &lt;x&gt;'));
  assert.ok(html.includes('<title>a &lt;b&gt; report</title>'));
});

test('mean ± SE: the SE to two significant digits, the mean to the same place', () => {
  assert.equal(formatMeanSe(0.82134, 0.01312, '.0%'), '82.1 ± 1.3%');
  assert.equal(formatMeanSe(0.92022, 0.00028, '.0%'), '92.022 ± 0.028%');
  assert.equal(formatMeanSe(44.6603, 0.03044, ',.4~g'), '44.660 ± 0.030');
  assert.equal(formatMeanSe(101, 0.5774, ',.4~g'), '101.00 ± 0.58');
  assert.equal(formatMeanSe(0.5, null, '.0%'), '50.0%');
});
