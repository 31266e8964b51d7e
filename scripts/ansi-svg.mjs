// Turns a terminal capture (tmux capture-pane -e -p) into an SVG picture of the screen.
// Handles the SGR codes Ink and chalk emit: reset, bold, dim, 16/256/true colours.

const BASE = ['#1e1e1e', '#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2', '#dcdfe4'];
const BRIGHT = ['#5c6370', '#ef8891', '#b5e08f', '#f0d197', '#82c4ff', '#d9a0ef', '#7fd3de', '#ffffff'];
const FG = '#dcdfe4';
const BG = '#1e1e1e';

function color256(n) {
  if (n < 8) return BASE[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const c = (x) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
}

function applySgr(style, params) {
  const codes = params.length ? params.split(';').map(Number) : [0];
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0) Object.assign(style, { fg: FG, bold: false, dim: false });
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 22) Object.assign(style, { bold: false, dim: false });
    else if (code >= 30 && code <= 37) style.fg = BASE[code - 30];
    else if (code >= 90 && code <= 97) style.fg = BRIGHT[code - 90];
    else if (code === 39) style.fg = FG;
    else if (code === 38 && codes[i + 1] === 5) {
      style.fg = color256(codes[i + 2]);
      i += 2;
    } else if (code === 38 && codes[i + 1] === 2) {
      style.fg = `rgb(${codes[i + 2]},${codes[i + 3]},${codes[i + 4]})`;
      i += 4;
    }
  }
}

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** @param {string} capture @param {{columns?: number, rows?: number, title?: string}} opts */
export function ansiToSvg(capture, opts = {}) {
  const columns = opts.columns ?? 80;
  const lines = capture.replace(/\n$/, '').split('\n');
  const rows = opts.rows ?? lines.length;
  const cw = 8.4;
  const lh = 17;
  const pad = 12;
  const top = 28;
  const width = Math.ceil(columns * cw + pad * 2);
  const height = Math.ceil(rows * lh + pad + top);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">`,
    `<rect width="${width}" height="${height}" rx="6" fill="${BG}"/>`,
    `<circle cx="16" cy="14" r="5" fill="#e06c75"/><circle cx="32" cy="14" r="5" fill="#e5c07b"/><circle cx="48" cy="14" r="5" fill="#98c379"/>`,
    `<text x="${width / 2}" y="18" fill="#8b8f96" text-anchor="middle" font-size="12">${escapeXml(opts.title ?? 'synapse-upgrade')}</text>`,
  ];
  const style = { fg: FG, bold: false, dim: false };
  lines.slice(0, rows).forEach((line, row) => {
    const spans = [];
    let text = '';
    const flush = () => {
      if (!text) return;
      const attrs = [`fill="${style.fg}"`];
      if (style.bold) attrs.push('font-weight="bold"');
      if (style.dim) attrs.push('fill-opacity="0.6"');
      spans.push(`<tspan ${attrs.join(' ')}>${escapeXml(text)}</tspan>`);
      text = '';
    };
    const pattern = /\u001b\[([0-9;]*)m|\u001b\[[0-9;?]*[A-Za-z]|([^\u001b]+)/g;
    let match;
    while ((match = pattern.exec(line))) {
      if (match[2] !== undefined) text += match[2];
      else if (match[1] !== undefined) {
        flush();
        applySgr(style, match[1]);
      }
    }
    flush();
    if (spans.length) out.push(`<text x="${pad}" y="${top + (row + 1) * lh - 4}" xml:space="preserve">${spans.join('')}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
