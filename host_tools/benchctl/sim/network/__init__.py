# The far end of a bench's radio: the Wi-Fi station's access point and MQTT broker, and
# the network and application server.
