/**
 * What a run changed in event, profile and session (the report's `changes`, RFC 6902 style).
 * Instead of copying a whole document before its first change and diffing whole documents
 * after the run, a before-image keeps the document's entries by reference and deep-copies
 * only the top-level entries a write goes into (`profile@traits.orders` copies `traits`). The
 * diff then skips every untouched entry at once, because it is the very same object. A plugin
 * given the document itself (through `ctx.state`) may change anything, so that copies it all.
 */
import type { Change } from '../../src-shared/engine/report'
import { cloneJson, diffJson, pointerSegment } from './json'
import { ShapeCopier } from './shallow-copy'

const MAX_COPIED = 16

export class BeforeImage {
  private image: Record<string, unknown> | null = null
  /**
   * Top-level keys whose entry in the image is a deep copy (or that were absent). A list, cheaper
   * than a Set for the few a run writes; past MAX_COPIED the whole document is copied instead.
   */
  private copied: string[] | null = null
  private whole = false
  /** The objects notePathShared copied: the run's own, written into without another copy. */
  private copies: object[] | null = null
  /** The top-level entry the last two-segment write went into, and the run's copy of it. */
  private lastKey = ''
  private lastOwn: object | null = null

  /** `image`: the document's top level as it was, when someone already holds it unchanged. */
  constructor(image: Record<string, unknown> | null = null) {
    this.image = image
  }

  /** Called before a write or delete under `key` of the document. */
  noteKey(doc: Record<string, unknown>, key: string): void {
    const copied = this.copied
    if (this.whole || copied?.includes(key)) return
    if (copied && copied.length >= MAX_COPIED) return this.noteAll(doc)
    const image = (this.image ??= documents.copy(doc))
    if (Object.hasOwn(doc, key)) image[key] = cloneJson(doc[key])
    if (copied) copied.push(key)
    else this.copied = [key]
  }

  /**
   * Like noteKey, for a document whose entries are someone else's objects (a stored profile),
   * before a write or delete at `path`: the objects along the path are copied in the document,
   * one level each (`traits.orders` copies `traits` only, not what else it holds), and the
   * untouched originals stay the image's. Objects off the path stay shared: nothing changes them.
   */
  notePathShared(doc: Record<string, unknown>, path: readonly string[]): void {
    if (this.whole) return
    const key = path[0]!
    // Another write into the entry the last one copied (`traits.spent` after `traits.orders`):
    // it is still the run's own copy, so there is nothing to note or copy.
    if (
      path.length === 2 &&
      this.lastOwn !== null &&
      key === this.lastKey &&
      doc[key] === this.lastOwn
    )
      return
    let copied = this.copied
    if (!copied?.includes(key)) {
      if (copied && copied.length >= MAX_COPIED) return this.ownShared(doc)
      this.image ??= documents.copy(doc)
      if (copied) copied.push(key)
      else copied = this.copied = [key]
    }
    // The last segment is written or deleted, never written into: its parents are what change.
    let parent: Record<string, unknown> = doc
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i]!
      if (!Object.hasOwn(parent, segment)) return
      const value = parent[segment]
      if (value === null || typeof value !== 'object') return
      let own = value as Record<string, unknown>
      if (!this.copies?.includes(own)) {
        own = copyContainer(own)
        parent[segment] = own
        ;(this.copies ??= []).push(own)
      }
      parent = own
    }
    if (path.length === 2 && parent !== doc) {
      this.lastKey = key
      this.lastOwn = parent
    }
  }

  /** The entries still shared are copied now: the document is the run's own from here on. */
  ownShared(doc: Record<string, unknown>): void {
    if (this.whole) return
    this.image ??= documents.copy(doc)
    // An entry a write went into may still share what lies off the written path: copied too.
    for (const key of Object.keys(doc)) {
      const value = doc[key]
      if (value !== null && typeof value === 'object') doc[key] = cloneJson(value)
    }
    this.copies = null
    this.whole = true
  }

  /** Called before the whole document is handed out. */
  noteAll(doc: Record<string, unknown>): void {
    if (this.whole) return
    this.whole = true
    if (!this.image) {
      this.image = cloneJson(doc)
      return
    }
    // Entries not yet copied are still the document's own, unchanged: copy them now.
    for (const key of Object.keys(this.image))
      if (!this.copied?.includes(key)) this.image[key] = cloneJson(this.image[key])
  }

  /** A before-image made elsewhere, of objects nobody will change. */
  adopt(image: Record<string, unknown>): void {
    this.image = image
    this.whole = true
  }

  changes(doc: Record<string, unknown>): Change[] {
    const image = this.image
    if (!image) return []
    const copied = this.copied
    if (this.whole || !copied) return diffJson(image, doc)
    // Only the entries a write went into can differ: every other one is the document's own.
    const out: Change[] = []
    if (copied.length === 1) {
      const key = copied[0]!
      diffEntry(image, doc, key, out)
      if (!Object.hasOwn(image, key) && Object.hasOwn(doc, key))
        out.push({ op: 'add', path: pointerSegment(key), value: doc[key] })
      return out
    }
    // In the order a whole diff gives: removed and changed entries as the image lists them, then added ones.
    for (const key of Object.keys(image)) if (copied.includes(key)) diffEntry(image, doc, key, out)
    for (const key of Object.keys(doc))
      if (copied.includes(key) && !Object.hasOwn(image, key))
        out.push({ op: 'add', path: pointerSegment(key), value: doc[key] })
    return out
  }
}

/** The entries writes go into (`traits`, `consents`…), copied one level by their key lists. */
const entries = new ShapeCopier()
/** The top levels of event, session and profile kept as before-images, likewise. */
const documents = new ShapeCopier()

/** One level of a plain object or list, as cloneJson copies it (own enumerable keys, in order). */
function copyContainer(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return value.slice() as unknown as Record<string, unknown>
  // A compiled copy costs a fraction of a key-by-key one; an own "__proto__" entry, which the
  // assignment below drops, keeps the old way.
  if (!Object.hasOwn(value, '__proto__')) return entries.copy(value as Record<string, unknown>)
  const out: Record<string, unknown> = {}
  const keys = Object.keys(value)
  // Dropped as cloneJson drops it: assigned, it would set the copy's prototype.
  for (let i = 0; i < keys.length; i++)
    if (keys[i] !== '__proto__') out[keys[i]!] = (value as Record<string, unknown>)[keys[i]!]
  return out
}

function diffEntry(
  image: Record<string, unknown>,
  doc: Record<string, unknown>,
  key: string,
  out: Change[],
): void {
  if (!Object.hasOwn(image, key)) return
  if (!Object.hasOwn(doc, key)) {
    out.push({ op: 'remove', path: pointerSegment(key), oldValue: image[key] })
    return
  }
  const was = image[key]
  const is = doc[key]
  if (was !== is) diffJson(was, is, pointerSegment(key), out)
}
