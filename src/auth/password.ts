import bcrypt from 'bcryptjs';

const COST = 10;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** A hash of a random string, compared against when the user does not exist so timing leaks nothing. */
export const DUMMY_HASH = bcrypt.hashSync('tandem-no-such-user', COST);
