// The site icon: an SVG for browsers that take one, and /favicon.ico (16 and 32 px PNGs in an ICO
// container) for those that ask for it by default, e.g. on every admin page. Kept in code so that the
// compiled build serves them with nothing else to copy.

export const faviconSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f3fbf"/><path fill="#fff" fill-rule="evenodd" d="M16 5 26 27h-4.5l-1.9-4.5h-7.2L10.5 27H6Zm-2.1 14h4.2L16 13.8Z"/></svg>';

export const faviconIco = Buffer.from(
  'AAABAAIAEBAAAAEAIADWAQAAJgAAACAgAAABACAAEwMAAPwBAACJUE5HDQoaCgAAAA1JSERSAAAAEAAAABAIBgAAAB/z/2EAAAGLSURBVHicnFNPKINhHH7e' +
    'bx+b7TSxJPvXyk7bBbGDFS47cLKyjPwptZRy5MRBSanVTpKDi6TE1YFmOFAO/iVqQtnFTMLK2PZ6v1eW5vtYe+rX+3y/5/s9PX3f+xMBShzu7WFCECAUdhCU' +
    '4C9QfFAgSghdOI60BImzOTxKBARRDCjGBQg0oKTrtCpeiiA0ILDDoqR3dlTzUg6AKpGAqOVElYqgx1vD+dLqHTIZ+jsAmxWU3D1tBhgq1bwkrgRFg74ukywv' +
    'yKCxTo9amw6n5884u3jhvKleX7hBv8/Iz+W1GFbWY18pfKbCDGwWLVwN5ZxbzVpYTVrOXSyBpP1rMNBtzvGhXjMG/SZZ7RvizwdDRSk8rQZQ9sdGxk7wlsry' +
    'fplGhdC0g2uh+SvcP7zLJ/B7jRDZzdiMxLF38IjDoydeu/sJbO3EuSa9k5eA3rIrwbPFEynMLd5wg3xI/eh1Eq/JdK5HQS+J0x2eZJs4gWJAMSOmBcyWZKFh' +
    'i9HOktiR911kkJbWmQ1vsNmpTwAAAP//II6dfQAAAAZJREFUAwAVvHHkjKKlYQAAAABJRU5ErkJggolQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p6' +
    '9AAAAshJREFUeJzEV0tPE1EU/u5liKgUJRIjzy41AQJLYkABFwZWviL4Kr7+gCuXrkxkxdaF7jQxghQU0YUKpBogbkoMiXGlpk6t2KYxGlvazvWeSTp9t9OR' +
    'Dl9y23POnTnny5m5352rIA3d/Qt7EwlxgzP0COkyxvZjCyCE+MEAryawUlXFJryLA+HkHEsanUcXh7jQ7oGxJlQSQqga49c/LPW/MAh09b05Ds5ewkZoYMNE' +
    'gnX2euo5j69LKo2wE7ITsVhNp8JYfMz24gT5qBUl6pIE0AOL6Gqv0//X1n/BCqg2BxOWCYyNtunDMmRtRf46YQFNB2ow0Ntg2Or3CMoHc3JYxJVzbdRCfZBt' +
    'FZYIOGoVnBhOvbdkU8w2AudPt6C62tAw3aaYLQQUheHCmdxiFKO5ihOgdtc5cttNsfTHUjECl862GrbcuPSRb64iBGjZOVt2Gr5nJYh3qyHDp7nBvoZyUpZH' +
    '4NrFTMl48syPqTk1I+YaKW9JmiZAsttxyGH4P0ObeLsahGc5iI3gphHv7qhD+0GH2bTmCWRL7uOZb3JDgz6ms7qQ3an/JpAuuwRNk+2f8xv+5KyqE0mCrqV7' +
    'zMCUfCVlNwkuab+ePlzw+qQ83574hFIo2YFs2TULs/JckgApXLrsmoVZeS5KkaR15GRzRmz+VQBffX/zXu9s3YWhY6kP6dFTzbj/8AvicVG4BoqA2li/p9rw' +
    'f/9J4Nb4R8Ri+RPW7ODo69mH2t1Vuk/3Uo6pp2rBGkUfQfY+736uFixOiEQ1zMz7i+bIISAgAvkmSFKbG1NLiZbZg0kfSuGR25exJClHIXmm2hyCefNNurI2' +
    'FlK8wEYUpeBTI1h+H8rMVUieZW3WdWThjvwsv4ntgMA4Zxx3pRmG/QhTbS4Pip+ldl2FzdA0cZlq66tgbanfTWc1Oi6h0qDDKZ0LPYOz5GZI3HYcz/8BAAD/' +
    '/xWw+CYAAAAGSURBVAMADczx/GURslwAAAAASUVORK5CYII=',
  'base64',
);
