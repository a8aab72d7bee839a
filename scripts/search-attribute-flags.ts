/**
 * Prints the `temporal server start-dev` flags that register the engine's search attributes,
 * one word a line, from their one definition (domain/engine/search-attributes.ts), for
 * scripts/start.sh:  mapfile -t flags < <(npx tsx scripts/search-attribute-flags.ts)
 */
import { searchAttributeFlags } from '../domain/engine/search-attributes';

console.log(searchAttributeFlags().join('\n'));
