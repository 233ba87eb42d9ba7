// deploy/ (kustomize) checked two ways: each manifest against the Kubernetes API's JSON schemas
// (kubernetes-models ships them compiled into validators, Kubernetes 1.27), and the wiring that
// schemas cannot see: selectors that match the pods, probes on the routes ops/http.ts serves,
// ports and settings that agree with the ConfigMap, Dockerfile and config.ts, the security context,
// and a readiness probe that drops a replica within 5 s of its database going away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { repoRoot } from './testing/paths.js';
import { SETTINGS } from './config.js';

const deployDir = join(repoRoot, 'deploy');

type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

function validate(m: Manifest): void {
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  assert.ok(Model, `no schema for ${m.apiVersion} ${m.kind}`);
  new Model(m as never).validate();
}

function load(): Manifest[] {
  const k = parseAllDocuments(readFileSync(join(deployDir, 'kustomization.yaml'), 'utf8'))[0].toJS() as { resources: string[] };
  const out: Manifest[] = [];
  for (const file of k.resources) {
    for (const doc of parseAllDocuments(readFileSync(join(deployDir, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], file);
      out.push(doc.toJS() as Manifest);
    }
  }
  return out;
}

test('every manifest of deploy/ is valid against the Kubernetes API schemas, and the validator refuses a broken one', () => {
  const all = load();
  assert.deepEqual(all.map((m) => m.kind).sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Secret', 'Service']);
  for (const m of all) validate(m);
  const d = structuredClone(all.find((m) => m.kind === 'Deployment')) as Manifest & { spec: Record<string, unknown> };
  d.spec.replicas = 'three';
  assert.throws(() => validate(d), /replicas/);
  const noImage = structuredClone(all.find((m) => m.kind === 'Deployment')) as unknown as IDeployment;
  delete (noImage.spec?.template.spec?.containers[0] as { name?: string }).name;
  assert.throws(() => validate(noImage as unknown as Manifest), /name/);
});

test('the Deployment is wired to the service it runs: selectors, probes, ports, settings, security and drain', () => {
  const all = load();
  const byKind = (kind: string): Manifest => all.find((m) => m.kind === kind) as Manifest;
  const d = byKind('Deployment') as unknown as IDeployment;
  const spec = d.spec;
  assert.ok(spec?.template.spec);
  const pod = spec.template.spec;
  const podLabels = spec.template.metadata?.labels ?? {};
  const matches = (sel: Record<string, string> | undefined): boolean => !!sel && Object.entries(sel).every(([k, v]) => podLabels[k] === v);
  assert.ok(matches(spec.selector.matchLabels), 'Deployment selector');
  assert.ok(matches((byKind('Service') as unknown as { spec: { selector: Record<string, string> } }).spec.selector), 'Service selector');
  assert.ok(matches((byKind('PodDisruptionBudget') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels), 'PDB selector');
  const hpa = byKind('HorizontalPodAutoscaler') as unknown as { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number } };
  assert.deepEqual([hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name], ['Deployment', d.metadata?.name]);
  assert.ok(hpa.spec.minReplicas >= 2, 'a fleet keeps at least two replicas');

  const c = pod.containers[0];
  const config = (byKind('ConfigMap') as unknown as { data: Record<string, string> }).data;
  const secret = (byKind('Secret') as unknown as { stringData: Record<string, string> }).stringData;
  // Every variable given is one vizjobs reads.
  const known = new Set<string>([...Object.values(SETTINGS), 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'NODE_OPTIONS']);
  for (const name of [...Object.keys(config), ...Object.keys(secret), ...(c.env ?? []).map((e) => e.name)]) assert.ok(known.has(name), `${name} is not a vizjobs setting`);
  for (const name of ['VIZJOBS_DB', 'VIZJOBS_ADMIN_TOKEN', 'AWS_SECRET_ACCESS_KEY']) assert.ok(name in secret && !(name in config), `${name} belongs in the Secret`);
  assert.ok(secret.VIZJOBS_DB.startsWith('postgres://'), 'a fleet shares one PostgreSQL database');
  assert.deepEqual(c.envFrom?.map((e) => e.configMapRef?.name ?? e.secretRef?.name), [byKind('ConfigMap').metadata.name, byKind('Secret').metadata.name]);

  const port = (name: string): number | undefined => c.ports?.find((p) => p.name === name)?.containerPort;
  assert.equal(port('http'), Number(config.VIZJOBS_PORT));
  assert.equal(port('metrics'), Number(config.VIZJOBS_METRICS_PORT));
  assert.equal(config.VIZJOBS_HOST, '0.0.0.0');
  assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(c.startupProbe?.httpGet?.path, '/healthz');
  assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) assert.equal(probe?.httpGet?.port, 'http');
  const r = c.readinessProbe;
  assert.ok((r?.periodSeconds ?? 10) * (r?.failureThreshold ?? 3) <= 5, 'readiness drops within 5 s');
  assert.ok(c.lifecycle?.preStop?.exec?.command?.length, 'preStop drain');
  assert.ok((pod.terminationGracePeriodSeconds ?? 30) > 5, 'the grace period outlasts the preStop sleep');
  assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory && c.resources.limits?.memory, 'resources');

  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
  // The data dir the image sets is a writable volume (the root filesystem is read-only).
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const dataDir = /VIZJOBS_DATA_DIR=(\S+)/.exec(dockerfile)?.[1];
  assert.ok(dataDir);
  assert.ok(c.volumeMounts?.some((v) => v.mountPath === dataDir), `${dataDir} is mounted`);
  assert.ok(c.volumeMounts?.some((v) => v.mountPath === '/tmp'));
  // The image's user is the one the pod runs as (node:20-slim's `node` is uid 1000).
  assert.match(dockerfile, /^USER node$/m);
  assert.equal(pod.securityContext?.runAsUser, 1000);
});
