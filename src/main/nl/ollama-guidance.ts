/**
 * What a person reads when the local model cannot answer: each problem with the steps that fix
 * it, written for machines without network access (models arrive as files, not downloads).
 */
import { AirlockError } from '../../shared/errors';

export function unavailableGuidance(url: string): string[] {
  return [
    `If Ollama is installed, start it (\`ollama serve\`, or the Ollama app) and check that \`curl ${url}/api/version\` answers.`,
    'If it is not installed: on an air-gapped machine, install it from the offline package your administrator provides (on Linux, the release tarball: `sudo tar -C /usr -xzf ollama-linux-amd64.tgz`).',
    'If Ollama listens on another address or port, set it in the settings (Ollama → address).',
  ];
}

export function modelGuidance(model: string, installed: string[]): string[] {
  return [
    `With network access: \`ollama pull ${model}\`.`,
    `Air-gapped: on a connected machine run \`ollama pull ${model}\` and copy its model store (~/.ollama/models) to the same place here; ` +
      `or copy a GGUF file, write a Modelfile containing \`FROM ./model.gguf\`, and run \`ollama create ${model} -f Modelfile\`.`,
    installed.length
      ? `Or choose an installed model in the settings (Ollama → model): ${installed.slice(0, 10).join(', ')}.`
      : 'No model is installed in this Ollama yet.',
  ];
}

export function ollamaUnavailable(url: string, reason: string): AirlockError {
  return new AirlockError(
    'OLLAMA_UNAVAILABLE',
    `Ollama is not reachable at ${url} (${reason}); questions in plain language need it, everything else works without it`,
    { url, guidance: unavailableGuidance(url) },
  );
}

export function ollamaModelMissing(
  url: string,
  model: string,
  installed: string[] = [],
): AirlockError {
  return new AirlockError(
    'OLLAMA_MODEL_MISSING',
    `Ollama at ${url} has no model named '${model}'`,
    {
      url,
      model,
      guidance: modelGuidance(model, installed),
    },
  );
}

export function ollamaTimeout(url: string, ms: number, what: string): AirlockError {
  return new AirlockError(
    'OLLAMA_TIMEOUT',
    `Ollama at ${url} did not finish ${what} within ${Math.round(ms / 1000)} s; a first request also loads the model, so a larger machine or a smaller model may help`,
    { url, timeoutMs: ms },
  );
}
