// Node module hooks (module.register): resolve 'electron' to the stand-in, everything else as usual.
let standInUrl

export function initialize(data) {
  standInUrl = data.standInUrl
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: standInUrl, shortCircuit: true }
  return nextResolve(specifier, context)
}
