// Writes the reference GPT-2 token ids of resources/corpus/corpus.txt, encoded by the npm
// package gpt-3-encoder (a reference GPT-2 encoder), as tests/data/gpt2_corpus_ids.bin.z:
// uint16 little-endian ids, compressed in Qt's qCompress format (4-byte big-endian length, zlib).
// Run once: (cd /tmp && npm install gpt-3-encoder@1.1.4) && NODE_PATH=/tmp/node_modules node tests/tools/gen_gpt2_reference.js
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { encode } = require('gpt-3-encoder');

const root = path.join(__dirname, '..', '..');
const text = fs.readFileSync(path.join(root, 'resources', 'corpus', 'corpus.txt'), 'utf-8');
const ids = encode(text);
const raw = Buffer.alloc(ids.length * 2);
ids.forEach((id, i) => raw.writeUInt16LE(id, i * 2));
const header = Buffer.alloc(4);
header.writeUInt32BE(raw.length, 0);
fs.writeFileSync(path.join(root, 'tests', 'data', 'gpt2_corpus_ids.bin.z'),
                 Buffer.concat([header, zlib.deflateSync(raw, { level: 9 })]));
console.log(`${ids.length} ids`);
