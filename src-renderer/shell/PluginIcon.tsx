/**
 * Plugin icons: a plugin names a Lucide icon (kebab-case) in its `icon` field. The icons the
 * built-ins use are bundled; any other name falls back to the plugin's initial.
 */
import type { LucideIcon } from 'lucide-react'
import {
  Braces,
  Clock,
  Code,
  Combine,
  Copy,
  Eraser,
  EyeOff,
  FileText,
  GitBranch,
  Globe,
  Hash,
  Layers,
  ListPlus,
  LogIn,
  Merge,
  PencilLine,
  Play,
  Plus,
  Repeat,
  ScrollText,
  ShieldCheck,
  Shuffle,
  Split,
  Square,
  Timer,
  TriangleAlert,
  UserCheck,
  UserCog,
  UserMinus,
  UserPlus,
  Webhook,
  Zap,
} from 'lucide-react'

const ICONS: Record<string, LucideIcon> = {
  play: Play,
  zap: Zap,
  webhook: Webhook,
  clock: Clock,
  'log-in': LogIn,
  'git-branch': GitBranch,
  split: Split,
  merge: Merge,
  repeat: Repeat,
  layers: Layers,
  timer: Timer,
  'scroll-text': ScrollText,
  'triangle-alert': TriangleAlert,
  square: Square,
  'pencil-line': PencilLine,
  copy: Copy,
  eraser: Eraser,
  'list-plus': ListPlus,
  plus: Plus,
  'file-text': FileText,
  shuffle: Shuffle,
  combine: Combine,
  hash: Hash,
  'eye-off': EyeOff,
  'user-plus': UserPlus,
  'user-minus': UserMinus,
  'user-check': UserCheck,
  'shield-check': ShieldCheck,
  'user-cog': UserCog,
  globe: Globe,
  braces: Braces,
  code: Code,
}

export function PluginIcon({
  name,
  label,
  size = 14,
}: {
  name?: string
  label: string
  size?: number
}) {
  const Icon = name ? ICONS[name] : undefined
  if (Icon) return <Icon size={size} strokeWidth={2} aria-hidden />
  return (
    <span className="icon-letter" aria-hidden>
      {label.trim().charAt(0).toUpperCase() || '?'}
    </span>
  )
}
