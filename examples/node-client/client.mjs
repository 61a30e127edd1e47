// A Flightdeck client written with nothing but the .proto files in proto/ and the
// daemon's daemon.json: it pushes a bundle, starts a run, follows it to the end with
// WatchRun and verifies the hash chain. Exit 0 only if the run SUCCEEDED and the chain
// is intact.
//
//   node client.mjs [--data-dir DIR] [--bundle FILE] [--input TEXT]
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const dataDir = args['data-dir'] ?? process.env.FLIGHTDECK_HOME ?? join(homedir(), '.flightdeck');
const bundlePath = args.bundle ?? join(here, '..', '..', 'agent-daemon', 'src', 'main', 'resources',
  'dev', 'flightdeck', 'daemon', 'bundle', 'demo', 'support-refund.yaml');
const input = args.input ?? 'Hello from Node.js: order A-1001 arrived broken, can I get a refund?';

const info = JSON.parse(readFileSync(join(dataDir, 'daemon.json'), 'utf8'));
const protoRoot = join(here, '..', '..', 'proto', 'src', 'main', 'protobuf');
const definition = protoLoader.loadSync(
  ['flightdeck/v1/runs.proto', 'flightdeck/v1/bundles.proto'],
  { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).flightdeck.v1;

const target = `${info.host ?? '127.0.0.1'}:${info.port}`;
// Plaintext on loopback: grpc-js refuses call credentials on an insecure channel, so the
// bearer token travels as per-call metadata.
const md = new grpc.Metadata();
md.add('authorization', `Bearer ${info.token}`);

const bundles = new v1.BundleService(target, grpc.credentials.createInsecure());
const runs = new v1.RunService(target, grpc.credentials.createInsecure());
const deadline = () => ({ deadline: new Date(Date.now() + 10_000) });
const unary = (client, method, request) => new Promise((resolve, reject) =>
  client[method](request, md, deadline(), (err, res) => (err ? reject(err) : resolve(res))));

const pushed = await unary(bundles, 'PushBundle', { yaml: readFileSync(bundlePath, 'utf8') });
console.log(`pushed ${pushed.name}@${pushed.version_id} (created: ${pushed.created})`);

const started = await unary(runs, 'StartRun', {
  bundle: `${pushed.name}@${pushed.version_id}`, input, tenant: 'node-example',
  idempotency_key: `node-${Date.now()}`,
});
const runId = started.run.run_id;
console.log(`started run ${runId} (${started.run.status})`);

const events = [];
await new Promise((resolve, reject) => {
  const stream = runs.WatchRun({ run_id: runId, after_sequence: 0 }, md);
  stream.on('data', (e) => {
    events.push(e);
    console.log(`#${e.sequence} step ${e.step} ${e.payload}`);
  });
  stream.on('end', resolve);
  stream.on('error', reject);
});

let prev = '';
events.forEach((e, i) => {
  if (Number(e.sequence) !== i + 1) throw new Error(`sequence gap at ${i + 1}: got ${e.sequence}`);
  if (e.prev_hash !== prev) throw new Error(`event ${e.sequence}: prev_hash mismatch`);
  const hash = createHash('sha256').update(`${prev}\n${e.canonical_json}`, 'utf8').digest('hex');
  if (hash !== e.hash) throw new Error(`event ${e.sequence}: hash does not match its content`);
  prev = e.hash;
});
const run = await unary(runs, 'GetRun', { run_id: runId });
console.log(`run ${runId} ended ${run.status}; ${events.length} events, hash chain intact`);
console.log(`answer: ${run.output}`);
process.exit(run.status === 'RUN_STATUS_SUCCEEDED' ? 0 : 1);
