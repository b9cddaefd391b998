// Loaded with createRequire so vitest's module runner never sees it: the import() below then goes
// through Node's own ESM loader, where the resolve hook that maps 'electron' to the stand-in lives.
module.exports = (url) => import(url)
