// Code shape of a checkout, for refactoring notes (issue 11): lines per folder, the largest files and
// functions (TypeScript AST), and the places that build a Cognito gateway.
// Usage: node scripts/dev/code-shape.cjs [repo]   (default: this checkout)
const ts = require('typescript');
const fs = require('node:fs'),
  path = require('node:path'),
  cp = require('node:child_process');
const repo = process.argv[2] ?? path.resolve(__dirname, '../..');
const files = cp
  .execSync('git ls-files "*.ts"', { cwd: repo })
  .toString()
  .trim()
  .split('\n')
  .filter((f) => /^(src|scripts|bench|test)\//.test(f));
const perFolder = {};
const sizes = [];
const funcs = [];
for (const f of files) {
  const text = fs.readFileSync(path.join(repo, f), 'utf8');
  const n = text.split('\n').length;
  const parts = f.split('/');
  const folder = parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0];
  perFolder[folder] = (perFolder[folder] || 0) + n;
  sizes.push([n, f]);
  if (f.startsWith('test/')) continue;
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
  const visit = (node, cls) => {
    let name;
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessor(node)
    )
      name = (cls ? `${cls}.` : '') + (node.name ? node.name.getText(sf) : 'constructor');
    else if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent))
      name = node.parent.name.getText(sf);
    if (name && node.body) {
      const a = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line,
        b = sf.getLineAndCharacterOfPosition(node.end).line;
      funcs.push([b - a + 1, `${f}:${a + 1} ${name}`]);
    }
    if (ts.isClassDeclaration(node)) {
      const a = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line,
        b = sf.getLineAndCharacterOfPosition(node.end).line;
      funcs.push([b - a + 1, `${f}:${a + 1} class ${node.name?.getText(sf)}`]);
      cls = node.name?.getText(sf);
    }
    ts.forEachChild(node, (c) => visit(c, cls));
  };
  visit(sf);
}
console.log('## lines per folder (.ts)');
for (const [k, v] of Object.entries(perFolder).sort((a, b) => b[1] - a[1]))
  console.log(`${String(v).padStart(6)} ${k}`);
console.log('## largest files (non-test)');
for (const [n, f] of sizes
  .filter((s) => !s[1].startsWith('test/'))
  .sort((a, b) => b[0] - a[0])
  .slice(0, 12))
  console.log(`${String(n).padStart(6)} ${f}`);
console.log('## largest functions/classes (non-test)');
for (const [n, f] of funcs.sort((a, b) => b[0] - a[0]).slice(0, 15)) console.log(`${String(n).padStart(6)} ${f}`);
const g = cp
  .execSync('git grep -n "new CognitoGateway(" -- src scripts bench || true', { cwd: repo })
  .toString()
  .trim()
  .split('\n')
  .filter((l) => l && !/^\s*\*|\* /.test(l.split(':').slice(2).join(':')));
console.log(`## places building a gateway (src, scripts, bench): ${g.length}`);
g.forEach((l) => console.log(`  ${l}`));
const gt = cp
  .execSync('git grep -c "new CognitoGateway(" -- test || true', { cwd: repo })
  .toString()
  .trim()
  .split('\n')
  .filter(Boolean)
  .reduce((s, l) => s + Number(l.split(':').pop()), 0);
console.log(`## ... in test/: ${gt}`);
