/**
 * Origin URLs from user input: the expected values are written by hand from the rules (WHATWG
 * file URLs for local paths; lowercase scheme and host, no default port, no userinfo, the rest
 * as given, for the others).
 */
import { describe, expect, it } from 'vitest'

import { gitFetchArgs, scrubRemote, splitRemoteUrl } from '../../src/loader/origin-url.js'

describe('splitRemoteUrl', () => {
  it('local paths: one absolute, percent-encoded file:// URL for every spelling', () => {
    const cwd = '/home/me/src'
    for (const form of [
      '../repos/a b.git',
      '/home/me/repos/a b.git',
      '/home/me/repos/a b.git/',
      './../repos/x/../a b.git//',
      'file:///home/me/repos/a%20b.git',
      'file:///home/me/repos/a%20b.git/',
      'FILE://localhost/home/me/repos/a%20b.git',
    ]) {
      const r = splitRemoteUrl(form, cwd)
      expect(r.originUrl, form).toBe('file:///home/me/repos/a%20b.git')
      expect(r.fetchUrl, form).toBe('/home/me/repos/a b.git')
      expect(r.secrets).toEqual([])
    }
    expect(splitRemoteUrl('/srv/100%#?.git', '/').originUrl).toBe('file:///srv/100%25%23%3F.git')
    expect(() => splitRemoteUrl('file://elsewhere/x.git')).toThrow(/not a local file/)
    expect(() => splitRemoteUrl('')).toThrow(/empty/)
    // Hosts and users that ssh would read as options.
    for (const evil of [
      '-oProxyCommand=x:repo',
      '-oProxyCommand=x@host:repo',
      'ssh://-oProxyCommand=x/repo',
      'ssh://-oProxyCommand=x@host/repo',
    ])
      expect(() => splitRemoteUrl(evil), evil).toThrow(/starting with "-"/)
  })

  it('other URLs: scheme and host lowercased, default port and userinfo dropped, rest kept', () => {
    const cases: [string, string][] = [
      ['HTTPS://user:pw@Example.ORG:443/Some/Repo.git', 'https://example.org/Some/Repo.git'],
      ['http://example.org:80/a/', 'http://example.org/a/'],
      ['http://example.org:8080/a', 'http://example.org:8080/a'],
      ['https://tok@example.org/a/../b%41?x=1#f', 'https://example.org/a/../b%41?x=1#f'],
      ['git://Host.example:9418/x.git', 'git://host.example/x.git'],
      ['git://host.example:9419/x.git', 'git://host.example:9419/x.git'],
      ['ssh://git@Host.example:22/x.git', 'ssh://host.example/x.git'],
      ['http://[::1]:80/x', 'http://[::1]/x'],
      ['http://[::1]:8000/x', 'http://[::1]:8000/x'],
      ['git@GitHub.com:Owner/Repo.git', 'github.com:Owner/Repo.git'],
    ]
    for (const [given, origin] of cases) {
      const r = splitRemoteUrl(given)
      expect(r.originUrl, given).toBe(origin)
      expect(r.fetchUrl, given).toBe(given)
    }
  })

  it('secrets: passwords, and a lone HTTP user name (often a token); never an ssh user', () => {
    expect([...splitRemoteUrl('https://u:p%40ss@h/x').secrets].sort()).toEqual(
      ['p%40ss', 'p@ss', 'u:p%40ss', 'u:p@ss'].sort(),
    )
    expect(splitRemoteUrl('https://ghp_token@h/x').secrets).toEqual(['ghp_token'])
    expect(splitRemoteUrl('ssh://git@h/x').secrets).toEqual([])
    expect(splitRemoteUrl('git@h:x').secrets).toEqual([])
  })
})

describe('scrubRemote', () => {
  it('replaces the fetch URL by the origin, removes userinfo and every secret', () => {
    const r = splitRemoteUrl('https://me:hunter2@example.org/x.git')
    expect(
      scrubRemote(
        "fatal: unable to access 'https://me:hunter2@example.org/x.git/': 401; retry " +
          'https://me:hunter2@example.org/other; password hunter2',
        r,
      ),
    ).toBe(
      "fatal: unable to access 'https://example.org/x.git/': 401; retry https://example.org/other; password ***",
    )
  })

  it('leaves the file:// URL of a local path as it is, and shows the bare path as that URL', () => {
    const r = splitRemoteUrl('/srv/svn/repo')
    expect(
      scrubRemote('svn: E200009: no repository at file:///srv/svn/repo; /srv/svn/repo missing', r),
    ).toBe('svn: E200009: no repository at file:///srv/svn/repo; file:///srv/svn/repo missing')
  })
})

describe('gitFetchArgs', () => {
  it('moves HTTP credentials from the URL to an Authorization header in the environment', () => {
    // base64("me:p@ss") computed by hand: bWU6cEBzcw==
    expect(gitFetchArgs('https://me:p%40ss@example.org/x.git')).toEqual({
      url: 'https://example.org/x.git',
      env: {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.extraHeader',
        GIT_CONFIG_VALUE_0: 'Authorization: Basic bWU6cEBzcw==',
      },
    })
    expect(gitFetchArgs('git://example.org/x.git')).toEqual({
      url: 'git://example.org/x.git',
      env: {},
    })
  })
})
