// `npm run openapi`: writes docs/openapi.json from the API's own document (src/api/openapi.ts),
// the copy kept in docs/ for readers without a running node. test/integration/openapi.test.ts
// fails when the two differ.
import { writeFile } from 'node:fs/promises'
import { OPENAPI } from '../dist/src/api/openapi.js'

await writeFile(new URL('../docs/openapi.json', import.meta.url), JSON.stringify(OPENAPI, null, 2) + '\n')
