// A log's ANSI SGR colour codes as spans. Logs are hostile text: everything
// goes into text nodes, colours into class names or CSSOM properties (never
// markup), and any other escape sequence is dropped.

interface Style {
  fg: number | string | null;  // 0-15: a palette class; a string: an rgb() colour
  bg: number | string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

const plain = (): Style => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });

// The 256-colour cube and grey ramp above the 16 palette colours.
function color256(n: number): number | string | null {
  if (!(n >= 0 && n <= 255)) return null;
  if (n < 16) return n;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const c = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(c / 36))}, ${level(Math.floor(c / 6) % 6)}, ${level(c % 6)})`;
}

export class AnsiRenderer {
  private style: Style = plain();
  private pending = "";  // an escape sequence cut by the end of a chunk

  // The chunk as nodes to append; state carries over to the next chunk.
  push(text: string): Node[] {
    text = this.pending + text;
    this.pending = "";
    const out: Node[] = [];
    let pos = 0;
    while (pos < text.length) {
      const esc = text.indexOf("\x1b", pos);
      if (esc < 0) {
        out.push(this.span(text.slice(pos)));
        break;
      }
      if (esc > pos) out.push(this.span(text.slice(pos, esc)));
      // CSI: ESC [ parameters intermediates final-byte
      const m = /^\x1b\[([0-?]*)([ -/]*)([@-~])/.exec(text.slice(esc, esc + 64));
      if (m) {
        if (m[3] === "m" && m[2] === "") this.apply(m[1]);
        pos = esc + m[0].length;
        continue;
      }
      if (text.length - esc < 64 && /^\x1b(\[[0-?]*[ -/]*)?$/.test(text.slice(esc))) {
        this.pending = text.slice(esc);  // may complete in the next chunk
        break;
      }
      pos = esc + 1;  // a lone or unknown escape: drop the ESC
    }
    return out.filter((n) => n.textContent !== "");
  }

  private apply(params: string): void {
    const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) this.style = plain();
      else if (c === 1) this.style.bold = true;
      else if (c === 2) this.style.dim = true;
      else if (c === 3) this.style.italic = true;
      else if (c === 4) this.style.underline = true;
      else if (c === 22) this.style.bold = this.style.dim = false;
      else if (c === 23) this.style.italic = false;
      else if (c === 24) this.style.underline = false;
      else if (c >= 30 && c <= 37) this.style.fg = c - 30;
      else if (c >= 90 && c <= 97) this.style.fg = c - 90 + 8;
      else if (c === 39) this.style.fg = null;
      else if (c >= 40 && c <= 47) this.style.bg = c - 40;
      else if (c >= 100 && c <= 107) this.style.bg = c - 100 + 8;
      else if (c === 49) this.style.bg = null;
      else if (c === 38 || c === 48) {
        let value: number | string | null = null;
        if (codes[i + 1] === 5) {
          value = color256(codes[i + 2]);
          i += 2;
        } else if (codes[i + 1] === 2) {
          const [r, g, b] = codes.slice(i + 2, i + 5).map((v) => Math.max(0, Math.min(255, v | 0)));
          value = `rgb(${r}, ${g}, ${b})`;
          i += 4;
        }
        if (c === 38) this.style.fg = value;
        else this.style.bg = value;
      }
    }
  }

  private span(text: string): Node {
    const s = this.style;
    if (s.fg === null && s.bg === null && !s.bold && !s.dim && !s.italic && !s.underline)
      return document.createTextNode(text);
    const el = document.createElement("span");
    el.textContent = text;
    const classes: string[] = [];
    if (typeof s.fg === "number") classes.push(`ansi-fg-${s.fg}`);
    else if (s.fg) el.style.color = s.fg;
    if (typeof s.bg === "number") classes.push(`ansi-bg-${s.bg}`);
    else if (s.bg) el.style.backgroundColor = s.bg;
    if (s.bold) classes.push("ansi-bold");
    if (s.dim) classes.push("ansi-dim");
    if (s.italic) classes.push("ansi-italic");
    if (s.underline) classes.push("ansi-underline");
    el.className = classes.join(" ");
    return el;
  }
}
