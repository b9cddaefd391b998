/** Every migration, in order. Add a file per migration and list it here; never edit a shipped one. */
import type { Migration } from '../migrate'
import { initial } from './001-initial'
import { runOrderIndexes } from './002-run-order-indexes'
import { journal } from './003-journal'
import { environments } from './004-environments'

export const migrations: readonly Migration[] = [initial, runOrderIndexes, journal, environments]
