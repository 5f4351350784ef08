// SVG elements built with DOM calls, never from markup: task ids are text
// that whoever writes a DAG controls.

const NS = "http://www.w3.org/2000/svg";

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const c of children) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

// A text's width in px at the UI's 12 px font, near enough for layout.
export function textWidth(text: string, px = 12): number {
  return Math.ceil(text.length * px * 0.6);
}
