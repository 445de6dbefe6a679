import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { createSchema, SCHEMA_VERSION, upgradeSchema, validateSchema } from '../src/catalog/schema.js';

/** A fresh catalog database, changed by `sql` the way an older release or a hostile file might be. */
function catalogDb(sql = ''): Database.Database {
  const db = new Database(':memory:');
  createSchema(db, 'file:///schema', 0);
  db.exec(sql);
  return db;
}

const asVersion1 = `DROP TABLE listing; UPDATE version SET value = '1' WHERE key = 'schema_version'`;
const validation = (db: Database.Database) => {
  try {
    validateSchema(db);
    return 'valid';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('snapshot schema versions', () => {
  test('the current version and version 1 are accepted, each with exactly its own tables', () => {
    expect(SCHEMA_VERSION).toBe(2);
    expect(validation(catalogDb())).toBe('valid');
    expect(validation(catalogDb(asVersion1))).toBe('valid');
    expect(validation(catalogDb('DROP TABLE listing'))).toMatch(/tables are missing/);
    expect(validation(catalogDb(`UPDATE version SET value = '1' WHERE key = 'schema_version'`))).toMatch(
      /unexpected table "listing"/,
    );
    expect(validation(catalogDb(`UPDATE version SET value = '3' WHERE key = 'schema_version'`))).toMatch(
      /schema version 3, expected 1 to 2/,
    );
    expect(validation(catalogDb('DROP TABLE version'))).toMatch(/tables are missing/);
    expect(validation(catalogDb('CREATE VIEW listing_view AS SELECT 1'))).toMatch(/unexpected view/);
  });

  test('a version 1 database is upgraded in place, and an upgraded one is left alone', () => {
    const db = catalogDb(asVersion1);
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
    expect(db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get()).toBe('2');
    expect(db.prepare('SELECT count(*) FROM listing').pluck().get()).toBe(0);
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
  });
});
