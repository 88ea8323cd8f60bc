/**
 * A synthetic benchmark CSV (the columns of `gcloud container ai profiles benchmarks list --format=csv`) of any size, for the
 * large-import test and the bench: rising curves of Llama 3.1 8B on five GPU combinations.
 */

/** The model every generated point is for. */
export const GENERATED_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/**
 * The combinations, each with a peak output rate (tokens/s) and the NTPOT at its lightest load (ms): within what the hardware serves
 * (the import refuses a point several times faster than the kernels at peak memory bandwidth), of the order of GIQ's published curves.
 */
const COMBINATIONS: ReadonlyArray<[string, string, number, number, number]> = [
  ['nvidia-l4', 'g2-standard-8', 1, 350, 60],
  ['nvidia-l4', 'g2-standard-24', 2, 700, 45],
  ['nvidia-h100-80gb', 'a3-highgpu-1g', 1, 5000, 15],
  ['nvidia-tesla-a100', 'a2-highgpu-1g', 1, 2000, 25],
  ['nvidia-a100-80gb', 'a2-ultragpu-1g', 1, 2500, 25],
];

/** A benchmark CSV of `n` points spread over five combinations, each a rising curve from a tenth of its peak to the peak. */
export function generatedBenchmarkCsv(n: number): string {
  const rows = ['Instance Type,Accelerator,Accelerator Count,Output Tokens/s,NTPOT(ms),TTFT(ms),Model Server,Model Server Version,Model'];
  const perCurve = Math.ceil(n / COMBINATIONS.length);
  for (let i = 0; i < n; i++) {
    const [accelerator, machine, count, peak, ntpot] = COMBINATIONS[i % COMBINATIONS.length];
    const u = Math.floor(i / COMBINATIONS.length) / perCurve;
    rows.push(`${machine},${accelerator},${count},${peak * (0.1 + 0.9 * u)},${ntpot * (1 + 2 * u)},${ntpot * (5 + 20 * u)},vllm,v0.11.2,${GENERATED_MODEL}`);
  }
  return rows.join('\n');
}
