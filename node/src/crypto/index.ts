// Public face of the crypto capability.
export { CryptoService, algForKeyType, type KeyType, type PublicKeyInfo, type JoseKey } from './service.js';
export { SqlKeyStore, cryptoMigrations, type KeyStore, type StoredKey, type SigningAlg } from './store.js';
export { CryptoEngine } from './module.js';
export { cryptoRouter } from './api/internal.js';
