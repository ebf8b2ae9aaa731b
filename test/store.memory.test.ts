import { MemoryStore } from '../gateway/store/memory.js';
import { storeContract } from './helpers/store-contract.js';

storeContract('memory', async () => {
  const a = new MemoryStore();
  return { a, b: a.peer(), cleanup: async () => {} };
});
