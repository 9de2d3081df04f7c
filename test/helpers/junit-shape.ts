/** An element of an XML document as the shape check reads it. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeEntities = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (_, name: string, dec?: string, hex?: string) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : ENTITIES[name],
  );

/**
 * Parses the small XML subset JUnit files use (a declaration, elements, attributes, text; no DTD, CDATA or
 * comments), throwing on anything not well formed: a stray `<` or `&`, a mismatched or unclosed tag, a duplicate
 * attribute, text outside the root.
 */
export function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<\/([A-Za-z_][\w.-]*)\s*>|<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let match: RegExpExecArray | null;
  let at = 0;
  while (at < body.length) {
    token.lastIndex = at;
    match = token.exec(body);
    if (!match) throw new Error(`not well formed at ${at}: ${body.slice(at, at + 40)}`);
    at = token.lastIndex;
    const [, close, open, attrs, selfClose, text] = match;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(text)) throw new Error(`a bare & in ${text}`);
      if (!stack.length) {
        if (text.trim()) throw new Error(`text outside the root: ${text}`);
        continue;
      }
      stack.at(-1)!.text += decodeEntities(text);
    } else if (close) {
      const top = stack.pop();
      if (top?.name !== close) throw new Error(`</${close}> closes <${top?.name}>`);
    } else {
      const attributes: Record<string, string> = {};
      for (const [, name, value] of attrs.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
        if (name in attributes) throw new Error(`duplicate attribute ${name} on <${open}>`);
        if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(value)) throw new Error(`a bare & in ${name}`);
        attributes[name] = decodeEntities(value);
      }
      const element: XmlElement = { name: open, attributes, children: [], text: '' };
      if (stack.length) stack.at(-1)!.children.push(element);
      else if (root) throw new Error('a second root element');
      else root = element;
      if (!selfClose) stack.push(element);
    }
  }
  if (stack.length || !root) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  return root;
}

const ALLOWED: Record<string, { children: string[]; required: string[] }> = {
  testsuites: { children: ['testsuite'], required: ['tests', 'failures', 'errors'] },
  testsuite: { children: ['properties', 'testcase'], required: ['name', 'tests', 'failures', 'errors'] },
  testcase: { children: ['properties', 'failure', 'error', 'skipped'], required: ['classname', 'name'] },
  properties: { children: ['property'], required: [] },
  property: { children: [], required: ['name', 'value'] },
  failure: { children: [], required: ['message'] },
  error: { children: [], required: ['message'] },
  skipped: { children: [], required: [] },
};

/**
 * Checks a JUnit document against the schema CI servers read (testsuites > testsuite > testcase, with
 * properties, failure and error where they may be) and that every count attribute matches the testcases.
 */
export function checkJunitShape(xml: string): XmlElement {
  const root = parseXml(xml);
  const walk = (e: XmlElement) => {
    const rule = ALLOWED[e.name];
    if (!rule) throw new Error(`unexpected <${e.name}>`);
    for (const name of rule.required) if (!(name in e.attributes)) throw new Error(`<${e.name}> without ${name}`);
    for (const child of e.children) {
      if (!rule.children.includes(child.name)) throw new Error(`<${child.name}> inside <${e.name}>`);
      walk(child);
    }
  };
  if (root.name !== 'testsuites') throw new Error(`root <${root.name}>`);
  walk(root);
  for (const suite of [root, ...root.children]) {
    const cases = (suite.name === 'testsuites' ? suite.children.flatMap((s) => s.children) : suite.children).filter(
      (c) => c.name === 'testcase',
    );
    const count = (kind: string) => cases.filter((c) => c.children.some((x) => x.name === kind)).length;
    if (Number(suite.attributes.tests) !== cases.length) throw new Error(`tests=${suite.attributes.tests}`);
    if (Number(suite.attributes.failures) !== count('failure'))
      throw new Error(`failures=${suite.attributes.failures}`);
    if (Number(suite.attributes.errors) !== count('error')) throw new Error(`errors=${suite.attributes.errors}`);
  }
  return root;
}
