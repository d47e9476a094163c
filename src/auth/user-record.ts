/** A person who can log in. Passwords are stored only as bcrypt hashes. */
export interface UserRecord {
  username: string;
  displayName: string;
  role: 'technician' | 'supervisor' | 'admin' | 'customer';
  teams: string[];
  passwordHash: string;
  extendedAvailability?: boolean;
  email?: string;
  /** The realm of a user from a directory (docs/realms.md); absent for local users. */
  realm?: string;
}
