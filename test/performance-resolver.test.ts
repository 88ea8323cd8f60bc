import { AutoscalingMetric, Capacity, InferenceResolver, PricingModel, ProfileSource, Resolution } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { smallestFittingTensorParallelSize } from '../src/performance/feasibility';
import { shipsFp8 } from '../src/performance/precision';

const resolve = InferenceResolver.resolve;
const catalog = Catalog.EMBEDDED;
/** The capacity an accelerator's machines come as: A4X (GB200) only through reservations. */
const capacityFor = (label: string) => (label === 'nvidia-gb200' ? { capacity: Capacity.RESERVATION, reservationName: 'gb200' } : {});
const GPUS = catalog.accelerators.filter((a) => a.family === 'gpu' && catalog.machineTypes.some((m) => m.accelerator === a.gkeLabel));
// TPUs with a single-host slice are candidates too (vLLM on TPU)
const TPUS = catalog.accelerators.filter((a) => a.family === 'tpu' && catalog.singleHostTpuTopologies(a.gkeLabel).length > 0);

test('with no accelerator, the resolver picks the cheapest feasible estimated profile and marks it estimated', () => {
  // GIVEN a model with no published profile
  const model = 'meta-llama/Llama-3.1-8B-Instruct';
  const r = resolve({ model });
  expect(r.source).toBe(ProfileSource.ESTIMATED);
  expect(r.performance.pointKind).toBe('estimated');
  // THEN it is the cheapest of what each GPU resolves to on its own (TPUs, uncalibrated, only compete when asked for)
  const perAccelerator = GPUS
    .filter((a) => smallestFittingTensorParallelSize(catalog, catalog.model(model)!, a, r.maxModelLength) !== undefined)
    .map((a) => resolve({ model, acceleratorType: a.gkeLabel, ...capacityFor(a.gkeLabel) }))
    .filter((x) => x.cost.costPerMillionOutputTokens !== undefined);
  expect(perAccelerator.length).toBeGreaterThan(5);
  const cheapest = Math.min(...perAccelerator.map((x) => x.cost.costPerMillionOutputTokens!));
  expect(r.cost.costPerMillionOutputTokens).toBeCloseTo(cheapest, 12);
  for (const alt of r.alternatives.filter((a) => a.costPerMillionOutputTokens !== undefined && a.reason.startsWith('costs more'))) {
    expect(alt.costPerMillionOutputTokens!).toBeGreaterThanOrEqual(r.cost.costPerMillionOutputTokens!);
  }
  // AND asked for, TPUs compete with the GPUs on cost
  const withTpus = resolve({ model, allowedAcceleratorTypes: [...GPUS, ...TPUS].map((a) => a.gkeLabel) });
  expect(withTpus.cost.costPerMillionOutputTokens!).toBeLessThanOrEqual(r.cost.costPerMillionOutputTokens!);
  // AND it says how far to trust it, everywhere (on GPUs, where the estimate is calibrated on measured vLLM points)
  const gpu = resolve({ model, allowedAcceleratorTypes: GPUS.map((a) => a.gkeLabel) });
  const onTpu = catalog.accelerator(r.acceleratorType)!.family === 'tpu';
  expect(r.uncertainty!.calibrationBasis).toBe(onTpu ? 'uncalibrated' : 'same-server');
  expect(gpu.cost.costPerMillionOutputTokens!).toBeGreaterThanOrEqual(r.cost.costPerMillionOutputTokens!);
  const u = gpu.uncertainty!;
  expect(u.outputTokensPerSecondLow).toBeLessThan(gpu.performance.outputTokensPerSecond);
  expect(u.outputTokensPerSecondHigh).toBeGreaterThan(gpu.performance.outputTokensPerSecond);
  expect(u.ntpotMillisecondsLow).toBeLessThan(gpu.performance.ntpotMilliseconds);
  expect(u.ntpotMillisecondsHigh).toBeGreaterThan(gpu.performance.ntpotMilliseconds);
  expect(u.costPerMillionOutputTokensHigh!).toBeCloseTo(gpu.cost.costPerMillionOutputTokens! / u.throughputLowMultiplier, 12);
  expect(u.calibrationBasis).toBe('same-server');
  expect(gpu.decisions.join('\n')).toMatch(/uncertainty: \d+-\d+ output tokens\/s/);
  expect(gpu.decisions.join('\n')).toMatch(/profile .*: estimated \(cdk8s-gke-inference performance model/);
  expect(gpu.profileCitation).toMatch(/calibrated: time scale/);
  // the server-side signals an autoscaler sees at the point
  expect(r.performance.runningBatchSize).toBeGreaterThan(0);
  expect(r.performance.waitingQueueSize).toBeGreaterThanOrEqual(0);
  expect(r.performance.kvCacheUtilization).toBeGreaterThan(0);
  expect(r.performance.itlMilliseconds).toBeLessThanOrEqual(r.performance.ntpotMilliseconds);
});

test('per accelerator, a measured profile takes precedence over estimates of other tensor-parallel sizes', () => {
  const r = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb' });
  expect(r.source).toBe(ProfileSource.MEASURED);
  expect(r.uncertainty).toBeUndefined();
  expect(r.performance.runningBatchSize).toBeUndefined();
  const tp2 = r.alternatives.find((a) => a.acceleratorCount === 2)!;
  expect(tp2.source).toBe('estimated');
  expect(tp2.reason).toBe('the measured profile on 1 x nvidia-h100-80gb takes precedence over estimates on nvidia-h100-80gb');
});

test('per accelerator, the cheapest tensor-parallel size wins, the smallest when nothing is priced', () => {
  const priced = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-a100-80gb' });
  expect(priced.source).toBe(ProfileSource.ESTIMATED);
  const sameAccelerator = priced.alternatives.filter((a) => a.acceleratorType === 'nvidia-a100-80gb' && a.costPerMillionOutputTokens !== undefined);
  expect(sameAccelerator.length).toBeGreaterThan(0);
  for (const a of sameAccelerator) expect(a.costPerMillionOutputTokens!).toBeGreaterThanOrEqual(priced.cost.costPerMillionOutputTokens!);
  expect(priced.decisions.join('\n')).toMatch(/tensor-parallel size \d+: the cheapest per million output tokens of the sizes that fit/);
  // A2 Ultra has no committed-use prices: then the smallest size that fits
  const unpriced = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-a100-80gb', pricingModel: PricingModel.ONE_YEAR_CUD });
  expect(unpriced.cost.costPerMillionOutputTokens).toBeUndefined();
  expect(unpriced.tensorParallelSize).toBe(1);
});

test('every catalog model resolves on every GPU accelerator it fits, and without an accelerator', () => {
  for (const model of catalog.models) {
    const auto = resolve({ model: model.id });
    expect([ProfileSource.MEASURED, ProfileSource.ESTIMATED]).toContain(auto.source);
    for (const accelerator of GPUS) {
      if (shipsFp8(model) && accelerator.bf16DenseTflops == null) {
        // an FP8 checkpoint on Turing (T4): refused, naming what runs it
        expect(() => resolve({ model: model.id, acceleratorType: accelerator.gkeLabel, ...capacityFor(accelerator.gkeLabel) })).toThrow(/ships in FP8 and cannot run on .* It runs on/);
        continue;
      }
      const tp = smallestFittingTensorParallelSize(catalog, model, accelerator, auto.maxModelLength);
      if (tp === undefined) {
        // no single machine holds it: a multi-host replica, or a clear refusal
        let multi: Resolution | undefined;
        try {
          multi = resolve({ model: model.id, acceleratorType: accelerator.gkeLabel, ...capacityFor(accelerator.gkeLabel) });
        } catch (e) {
          expect((e as Error).message).toMatch(/does not fit on|cannot hold the memory-backed model cache|cannot run on/);
        }
        if (multi) expect(multi.acceleratorCount).toBe(multi.tensorParallelSize * multi.pipelineParallelSize);
        if (multi) expect(multi.nodes).toBeGreaterThan(1);
        continue;
      }
      let r: Resolution;
      try {
        r = resolve({ model: model.id, acceleratorType: accelerator.gkeLabel, ...capacityFor(accelerator.gkeLabel) });
      } catch (e) {
        // an FP8 checkpoint on a GPU without FP8 kernels (T4) is refused with the accelerators that can run it
        if (/ships in FP8 .*cannot|cannot run on .*ships in FP8/.test((e as Error).message)) continue;
        throw new Error(`${model.id} on ${accelerator.gkeLabel}: ${(e as Error).message}`);
      }
      expect(r.acceleratorType).toBe(accelerator.gkeLabel);
      // below the smallest size a machine carries only when several replicas share a machine (packing: B200, H200, H100 Mega, GB200)
      if (r.podsPerNode === undefined) expect(r.tensorParallelSize).toBeGreaterThanOrEqual(tp);
      else expect(r.tensorParallelSize * r.podsPerNode).toBe(r.nodePool.acceleratorsPerNode);
      expect(r.source === ProfileSource.ESTIMATED).toBe(r.uncertainty !== undefined);
    }
  }
});

test('an estimated operating point sets the HPA threshold from the model\'s KV-cache utilisation', () => {
  const r = resolve({
    model: 'openai/gpt-oss-20b',
    acceleratorType: 'nvidia-l4',
    targetNtpotMilliseconds: 150,
    autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION,
  });
  expect(r.source).toBe(ProfileSource.ESTIMATED);
  expect(r.autoscaling!.valueAtOperatingPoint).toBe(r.performance.kvCacheUtilization);
  expect(r.autoscaling!.explanation).toMatch(/from the operating point/);
  expect(r.autoscaling!.targetAverageValue).toBeLessThan(r.autoscaling!.valueAtOperatingPoint);
});

test('fails: a server version that predates the model has no estimate', () => {
  expect(() => resolve({ model: 'google/gemma-3-27b-it', modelServerVersion: 'v0.7.2' }))
    .toThrow(/No profile for model google\/gemma-3-27b-it, server vllm, version v0\.7\.2: neither measured nor estimated\. vllm v0\.7\.2 \(release 0\.7\.2\) predates/);
  expect(() => resolve({ model: 'openai/gpt-oss-20b', modelServerVersion: 'v0.10.0' })).toThrow(/needs 0\.10\.1 or newer/);
  // the newest version that serves it otherwise
  expect(resolve({ model: 'google/gemma-3-27b-it', acceleratorType: 'nvidia-h100-80gb' }).modelServerVersion).toBe('v0.12.0');
});
