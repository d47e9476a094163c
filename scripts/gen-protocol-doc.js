#!/usr/bin/env node
// Rewrites the generated part of docs/protocol.md from the inbound event table and its DTOs.
const { readFileSync, writeFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { EVENTS_BEGIN, EVENTS_END, renderInboundEvents } = require('../dist/protocol/protocol-doc.js');

const file = resolve(__dirname, '..', 'docs', 'protocol.md');
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf(EVENTS_BEGIN);
const end = doc.indexOf(EVENTS_END);
if (start < 0 || end < 0) throw new Error('docs/protocol.md lacks the generated-section markers');
writeFileSync(file, doc.slice(0, start + EVENTS_BEGIN.length) + '\n\n' + renderInboundEvents() + '\n' + doc.slice(end));
console.log('docs/protocol.md: inbound events regenerated');
