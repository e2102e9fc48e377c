/**
 * The semantic layer as YAML, the form people edit and keep under version control. Import
 * errors name the line (YAML syntax) or the path (shape), so a person can fix the file.
 */
import { isMap, parseDocument, stringify } from 'yaml';
import { SemanticLayer } from '../../shared/contract/nl';
import { AirlockError } from '../../shared/errors';

export interface Issue {
  path: string;
  message: string;
}

export function invalidLayer(what: string, issues: Issue[]): AirlockError {
  const shown = issues
    .slice(0, 20)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  const more = issues.length > 20 ? ` (and ${issues.length - 20} more)` : '';
  return new AirlockError('VALIDATION_FAILED', `the ${what} is not valid: ${shown}${more}`, {
    issues,
  });
}

/** Validates the shape of a layer (JSON or parsed YAML); references are checked apart. */
export function parseLayer(value: unknown, what = 'semantic layer'): SemanticLayer {
  const r = SemanticLayer.safeParse(value);
  if (r.success) return r.data;
  throw invalidLayer(
    what,
    r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
  );
}

export function layerFromYaml(text: string): SemanticLayer {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw invalidLayer(
      'YAML file',
      doc.errors.map((e) => ({
        path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)',
        message: e.message.split('\n')[0]!,
      })),
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw invalidLayer('YAML file', [
      {
        path: '(root)',
        message: 'expected a mapping with tables, relationships, metrics and examples',
      },
    ]);
  }
  return parseLayer(doc.toJS() ?? {}, 'YAML file');
}

const HEADER = `# Airlock semantic layer: descriptions, synonyms and value hints for tables and columns,
# relationships the database does not declare, named metrics, and verified question -> SQL
# examples. The local model sees only the parts each asker may read.
`;

export function layerToYaml(layer: SemanticLayer, connection: string): string {
  return `${HEADER}# connection: ${connection}\n${stringify(layer, { lineWidth: 100 })}`;
}
