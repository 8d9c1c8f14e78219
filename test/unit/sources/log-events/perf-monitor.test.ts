import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePerfFilter } from '../../../../src/sources/log-events/perf-monitor.ts';

const ev = (
  over: Partial<{
    appId: string;
    appName: string;
    objectId: string;
    objectType: string;
    method: string;
  }> = {},
) => ({
  appId: 'app-1',
  appName: 'Sales',
  objectId: 'JxbPqK',
  objectType: 'barchart',
  method: 'GenericObject::GetLayout',
  ...over,
});

const all = { allObjectTypes: true, allObjectTypesExclude: null, someObjectTypesInclude: null };
const allMethods = { allMethods: true, allMethodsExclude: null, someMethodsInclude: null };

describe('engine performance monitor filters', () => {
  it('both filters disabled (template): every event rejected', () => {
    const f = compilePerfFilter({ allApps: { enable: false }, appSpecific: { enable: false, app: null } });
    assert.equal(f(ev()), false);
  });

  it('allApps: exclude by app id and/or name (all given fields must match), then type and method', () => {
    const f = compilePerfFilter({
      allApps: {
        enable: true,
        appExclude: [{ appId: 'app-2' }, { appId: 'app-3', appName: 'Budget' }],
        objectType: {
          allObjectTypes: true,
          allObjectTypesExclude: ['<Unknown>'],
          someObjectTypesInclude: ['ignored'],
        },
        method: {
          allMethods: false,
          allMethodsExclude: null,
          someMethodsInclude: ['GenericObject::GetLayout'],
        },
      },
    });
    assert.equal(f(ev()), true);
    assert.equal(f(ev({ appId: 'app-2' })), false);
    assert.equal(f(ev({ appId: 'app-3', appName: 'Other' })), true);
    assert.equal(f(ev({ appId: 'app-3', appName: 'Budget' })), false);
    assert.equal(f(ev({ objectType: '<Unknown>' })), false);
    assert.equal(f(ev({ method: 'Global::OpenApp' })), false);
  });

  it('appSpecific: first block that fully matches accepts; object ids as strings or {objectId}', () => {
    const f = compilePerfFilter({
      appSpecific: {
        enable: true,
        app: [
          {
            include: [{ appName: 'Sales' }],
            objectType: all,
            appObject: {
              allAppObjects: false,
              allAppObjectsExclude: null,
              someAppObjectsInclude: [{ objectId: 'JxbPqK' }, 'abc'],
            },
            method: allMethods,
          },
          { include: null, objectType: all, appObject: { allAppObjects: true }, method: allMethods },
        ],
      },
    });
    assert.equal(f(ev()), true);
    assert.equal(f(ev({ objectId: 'abc' })), true);
    assert.equal(f(ev({ objectId: 'zzz' })), false);
    assert.equal(f(ev({ appName: 'Other' })), false, 'a null include list matches nothing');
  });

  it('an include entry with neither appId nor appName matches every app (as upstream)', () => {
    const f = compilePerfFilter({
      appSpecific: {
        enable: true,
        app: [{ include: [{}], objectType: all, appObject: { allAppObjects: true }, method: allMethods }],
      },
    });
    assert.equal(f(ev({ appId: 'whatever', appName: '' })), true);
  });
});
