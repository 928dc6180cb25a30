import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto'
import { randomBase62 } from './ids.ts'

/** Prefix of every API token secret, so leaked tokens are easy to recognise and scan for. */
export const TOKEN_PREFIX = 'sy_tok_'

/** A new API token secret: the prefix and 40 base62 characters (238 bits). */
export const newTokenSecret = (): string => TOKEN_PREFIX + randomBase62(40)

/**
 * Token secrets are long random strings, so a fast hash is enough to make a stolen table useless;
 * passwords, chosen by people, get scrypt below.
 */
export const hashTokenSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex')

// scrypt cost: N=2^15, r=8, p=1 uses 32 MiB and about 50-100 ms per hash on the reference machine.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 }

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keyLength, { N, r, p, maxmem: SCRYPT.maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p)
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p))
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/**
 * Encrypts stored credentials (destination and warehouse settings) with AES-256-GCM.
 * Ciphertext form: `v1:<base64 of iv(12) | tag(16) | ciphertext>`.
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(keyMaterial: string) {
    this.#key = createHash('sha256').update(keyMaterial).digest()
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  decrypt(ciphertext: string): string {
    if (!ciphertext.startsWith('v1:')) throw new Error('unknown ciphertext version')
    const raw = Buffer.from(ciphertext.slice(3), 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
  }
}
