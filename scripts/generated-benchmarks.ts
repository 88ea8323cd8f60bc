/**
 * A synthetic benchmark CSV (the columns of `gcloud container ai profiles benchmarks list --format=csv`) of any size, for the
 * large-import test and the bench: rising curves of Llama 3.1 8B on five GPU combinations.
 */

/** The model every generated point is for. */
export const GENERATED_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

const COMBINATIONS: ReadonlyArray<[string, string, number]> = [
  ['nvidia-l4', 'g2-standard-8', 1],
  ['nvidia-l4', 'g2-standard-24', 2],
  ['nvidia-h100-80gb', 'a3-highgpu-1g', 1],
  ['nvidia-tesla-a100', 'a2-highgpu-1g', 1],
  ['nvidia-a100-80gb', 'a2-ultragpu-1g', 1],
];

/** A benchmark CSV of `n` points spread over five combinations, each a rising curve. */
export function generatedBenchmarkCsv(n: number): string {
  const rows = ['Instance Type,Accelerator,Accelerator Count,Output Tokens/s,NTPOT(ms),TTFT(ms),Model Server,Model Server Version,Model'];
  for (let i = 0; i < n; i++) {
    const [accelerator, machine, count] = COMBINATIONS[i % COMBINATIONS.length];
    const k = Math.floor(i / COMBINATIONS.length);
    rows.push(`${machine},${accelerator},${count},${500 + k * 0.7},${20 + k * 0.01},${100 + k * 0.05},vllm,v0.11.2,${GENERATED_MODEL}`);
  }
  return rows.join('\n');
}
