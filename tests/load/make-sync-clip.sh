#!/bin/sh
# make-sync-clip.sh OUTDIR: writes the lip-sync clip for test_sync.c,
# OUTDIR/sync.ivf (VP8, 640x480 at 30 fps, about 1 Mbit/s, a keyframe every 2 s)
# and OUTDIR/sync.ogg (Opus, 48 kHz stereo, 20 ms packets), exactly 10 s each so
# that witness-load's two loops stay in step. The picture is a dark test
# pattern with a flash (3 all-white frames, 100 ms) at every whole second from
# 1 s on; the sound is silence with a 100 ms 1 kHz beep at the same times.
# Even seconds are keyframes, so half the events fall on a segment boundary.
#
# Opus encoders delay their output by a pre-skip (312 samples for libopus).
# witness-load sends every packet, pre-skip included (WebRTC has no pre-skip),
# so the sound is generated 312 samples early: on the wire each beep starts at
# the same RTP time as its flash. Does nothing when both files are there.
set -eu
out=$1
[ -s "$out/sync.ivf" ] && [ -s "$out/sync.ogg" ] && exit 0
mkdir -p "$out"
ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=640x480:rate=30,\
lutyuv=y=val/4:u=128:v=128,\
drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='gte(n,30)*lt(mod(n,30),3)'" -t 10 \
  -c:v libvpx -b:v 1M -minrate 1M -maxrate 1M -g 60 -keyint_min 60 -deadline realtime \
  -cpu-used 8 -f ivf "$out/sync.ivf.tmp"
# t + 312/48000: the pre-skip; 10 s less it in, 480000 samples (500 packets) out.
ffmpeg -loglevel error -y -f lavfi -i "aevalsrc=exprs=\
'0.5*sin(2*PI*1000*(t+312/48000))*gte(t+312/48000,0.5)*lt(mod(t+312/48000,1),0.1)'\
:s=48000:c=stereo:d=9.9935" \
  -c:a libopus -b:a 48k -frame_duration 20 -f ogg "$out/sync.ogg.tmp"
mv "$out/sync.ivf.tmp" "$out/sync.ivf"
mv "$out/sync.ogg.tmp" "$out/sync.ogg"
