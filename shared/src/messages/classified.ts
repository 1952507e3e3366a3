import { classifiedMarking, CLASSIFIED_REFUSAL } from '../documents/classified.ts';
import { utf8Decode } from '../encoding/utf8.ts';

/**
 * 涉密不上网 for messages and files. A chat message often carries a pasted
 * notice, whose 密级 stands on its own line at the top ("机密★1年"), so every
 * line is read as a document's title would be. A file is refused for its
 * name, and for its text when it is text.
 */

/** The 密级 a message's text is marked with, or null. */
export function messageMarking(text: string): string | null {
  for (const line of text.split(/\r\n|\r|\n/)) {
    const marking = classifiedMarking(line);
    if (marking !== null) return marking;
  }
  return null;
}

/** Files whose bytes are read as text for the rule. Other formats are judged by their name only (see the closing note of issue 9). */
export function isTextFile(name: string, mimeType: string): boolean {
  return mimeType.startsWith('text/') || /\.(txt|md|csv|json|xml|html?)$/i.test(name);
}

interface ClassifiedField {
  path: string;
  code: typeof CLASSIFIED_REFUSAL.code;
  message: string;
}

/**
 * The fields of a messaging request that carry a 密级: `body` (a message or
 * an edit), `name` (a room, a file), and a text file's content (`data`). It
 * reads the request as it came, before its shape is checked, like
 * classifiedFields does for documents. Empty when nothing is classified.
 */
export function classifiedMessageFields(request: unknown): ClassifiedField[] {
  if (request === null || typeof request !== 'object') return [];
  const { body, name, mimeType, data } = request as { body?: unknown; name?: unknown; mimeType?: unknown; data?: unknown };
  const fields: ClassifiedField[] = [];
  const refuse = (path: string) => fields.push({ path, code: CLASSIFIED_REFUSAL.code, message: CLASSIFIED_REFUSAL['zh-CN'] });
  if (typeof body === 'string' && messageMarking(body) !== null) refuse('body');
  if (typeof name === 'string' && messageMarking(name) !== null) refuse('name');
  if (typeof name === 'string' && typeof mimeType === 'string' && data instanceof Uint8Array && isTextFile(name, mimeType)) {
    const text = utf8Decode(data);
    if (messageMarking(text) !== null) refuse('data');
  }
  return fields;
}
