import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export type Validated<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Validates event data against its DTO class. Unknown fields are refused (not silently dropped)
 * and the message names the first bad field with its path, e.g. `target.teamId: must be an id`.
 */
export function validateDto<T extends object>(cls: ClassConstructor<T>, data: unknown): Validated<T> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, message: 'data must be an object' };
  const value = plainToInstance(cls, data, { exposeDefaultValues: true });
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length === 0) return { ok: true, value };
  // A DTO without any field (e.g. `online.list`) has no metadata; class-validator calls that unknown.
  if (errors.length === 1 && errors[0]!.constraints?.unknownValue !== undefined) {
    const extra = Object.keys(data)[0];
    return extra === undefined ? { ok: true, value } : { ok: false, message: `${extra}: unknown field` };
  }
  return { ok: false, message: describe(errors[0], '') };
}

function describe(error: ValidationError, prefix: string): string {
  const path = prefix ? `${prefix}.${error.property}` : error.property;
  if (!error.constraints && error.children && error.children.length > 0) return describe(error.children[0], path);
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) return `${path}: unknown field`;
  return `${path}: ${Object.values(constraints).join('; ')}`;
}
