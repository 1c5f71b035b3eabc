/* Unsafe or thread-hostile calls that must not be used in mocod (force-included by the build). */
#ifndef MOCOD_BANNED_H
#define MOCOD_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_mocod

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)

#endif
